
var fgDetails, fgDetailsIdle, fgMatched, fgSearchBtn, fgUnzoomBtn, fgFrames;
var fgTotal = 0, fgWidth = 0, fgItems = null, fgZoomed = null, fgSearch = null;

function init(evt) {
  fgDetails = document.getElementById('details').firstChild;
  fgDetailsIdle = fgDetails.nodeValue;
  fgMatched = document.getElementById('matched').firstChild;
  fgSearchBtn = document.getElementById('search');
  fgUnzoomBtn = document.getElementById('unzoom');
  fgFrames = document.getElementById('frames');
  fgTotal = Number(fgFrames.getAttribute('total_samples'));
  fgWidth = Number(fgFrames.getAttribute('width'));
  fgFrames.addEventListener('mouseover', function (e) {
    var it = fgItemFor(e.target);
    if (it) fgDetails.nodeValue = flameCfg.nametype + ' ' + it.info;
  });
  fgFrames.addEventListener('mouseout', function (e) {
    if (fgItemFor(e.target)) fgDetails.nodeValue = fgDetailsIdle;
  });
  fgFrames.addEventListener('click', function (e) {
    var it = fgItemFor(e.target);
    if (!it) return;
    if (it === fgZoomed) fgUnzoom(); else fgZoom(it);
    var z = fgZoomed;
    fgKeep(function (p) {
      if (z) {
        p.set('x', String(z.x));
        p.set('y', String(z.y));
      } else {
        p.delete('x');
        p.delete('y');
      }
    });
    e.preventDefault();
  });
  fgUnzoomBtn.addEventListener('click', function () {
    fgUnzoom();
    fgKeep(function (p) {
      p.delete('x');
      p.delete('y');
    });
  });
  fgSearchBtn.addEventListener('click', function () {
    if (fgSearch) fgResetSearch(); else fgPromptSearch();
  });
  window.addEventListener('keydown', function (e) {
    if (e.key === 'F3' || ((e.ctrlKey || e.metaKey) && (e.key === 'f' || e.key === 'F'))) {
      e.preventDefault();
      fgPromptSearch();
    } else if (e.key === 'Escape') {
      fgResetSearch();
    }
  });
  if (flameCfg.fluid && document.documentElement.nodeName === 'svg' && window.innerWidth > 0) {
    window.addEventListener('resize', fgFit);
    fgFit();
  }
  // The view is kept in the URL, as inferno's is: ?s=SEARCH&x=FG_X&y=Y (the zoomed frame).
  var p = fgParams();
  if (p.get('s')) fgDoSearch(p.get('s'));
  if (p.get('x') !== null && p.get('y') !== null) {
    var items = fgLoad();
    for (var i = 0; i < items.length; i++) {
      if (items[i].x === Number(p.get('x')) && items[i].y === Number(p.get('y'))) {
        fgZoom(items[i]);
        break;
      }
    }
  }
}

function fgParams() {
  return new URLSearchParams(window.location.search || '');
}

// Put the view into the URL without a new history entry; a page that may not (some file://
// viewers) keeps working without it.
function fgKeep(change) {
  var p = fgParams();
  change(p);
  var q = p.toString();
  try {
    window.history.replaceState(null, '', window.location.pathname + (q ? '?' + q : '') + window.location.hash);
  } catch (err) {}
}

// Fill the window's width: the frames' container, the right-hand texts and every label's fit.
function fgFit() {
  var svg = document.documentElement;
  var pad = Number(fgFrames.getAttribute('x'));
  var w = Math.max(window.innerWidth, 2 * pad + 1);
  var h = svg.getAttribute('height');
  svg.setAttribute('width', w);
  svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
  fgWidth = w - 2 * pad;
  fgFrames.setAttribute('width', fgWidth);
  fgSearchBtn.setAttribute('x', w - pad);
  document.getElementById('matched').setAttribute('x', w - pad);
  if (fgZoomed) fgZoom(fgZoomed); else fgUnzoom();
}

// Frames are read from the DOM on first use: the title carries the name and the count line.
function fgLoad() {
  if (fgItems) return fgItems;
  fgItems = [];
  var gs = fgFrames.children;
  for (var i = 0; i < gs.length; i++) {
    var g = gs[i];
    var title = g.firstElementChild, rect = title.nextElementSibling, text = rect.nextElementSibling;
    var info = title.textContent;
    var cut = info.lastIndexOf(' (');
    g.fgIndex = i;
    fgItems.push({
      g: g, rect: rect, text: text, info: info,
      name: cut >= 0 ? info.slice(0, cut) : info,
      x: Number(rect.getAttribute('fg:x')), w: Number(rect.getAttribute('fg:w')),
      y: Number(rect.getAttribute('y')), fill: rect.getAttribute('fill')
    });
  }
  return fgItems;
}

function fgItemFor(node) {
  while (node && node.parentNode !== fgFrames) node = node.parentNode;
  if (!node || node.nodeName !== 'g') return null;
  fgLoad();
  return fgItems[node.fgIndex] || null;
}

// Show the part of frame it that lies within [zx, zx + zw) samples, scaled to the full width.
function fgPlace(it, zx, zw) {
  var start = Math.max(it.x, zx), end = Math.min(it.x + it.w, zx + zw);
  var xp = (start - zx) / zw * 100, wp = (end - start) / zw * 100;
  it.rect.setAttribute('x', xp.toFixed(4) + '%');
  it.rect.setAttribute('width', wp.toFixed(4) + '%');
  it.text.setAttribute('x', (xp + 300 / fgWidth).toFixed(4) + '%');
  var fit = Math.floor(wp / 100 * fgWidth / (flameCfg.fontsize * flameCfg.fontwidth));
  var label = fit < 3 ? '' : it.name.length < fit ? it.name : it.name.slice(0, fit - 2) + '..';
  if (it.text.textContent !== label) it.text.textContent = label;
}

function fgZoom(z) {
  var items = fgLoad();
  fgZoomed = z;
  fgUnzoomBtn.classList.remove('hide');
  for (var i = 0; i < items.length; i++) {
    var it = items[i];
    if (it.x + it.w <= z.x || it.x >= z.x + z.w) {
      it.g.classList.add('hide');
      continue;
    }
    it.g.classList.remove('hide');
    // Overlapping frames nearer the root are z's callers: shown dimmed, across the full width.
    var caller = flameCfg.inverted ? it.y < z.y : it.y > z.y;
    if (caller) it.g.classList.add('parent'); else it.g.classList.remove('parent');
    fgPlace(it, z.x, z.w);
  }
}

function fgUnzoom() {
  var items = fgLoad();
  fgZoomed = null;
  fgUnzoomBtn.classList.add('hide');
  for (var i = 0; i < items.length; i++) {
    items[i].g.classList.remove('hide');
    items[i].g.classList.remove('parent');
    fgPlace(items[i], 0, fgTotal);
  }
}

function fgPromptSearch() {
  var term = window.prompt('Search for frames matching a regular expression (e.g. ^core::)', fgSearch ? fgSearch.source : '');
  if (term !== null && term !== '') fgDoSearch(term);
}

function fgDoSearch(term) {
  var re;
  try { re = new RegExp(term); } catch (err) { window.alert('Not a valid regular expression: ' + err.message); return; }
  var items = fgLoad();
  fgClearHighlights();
  fgSearch = re;
  var spans = [];
  for (var i = 0; i < items.length; i++) {
    if (re.test(items[i].name)) {
      items[i].rect.setAttribute('fill', flameCfg.searchcolor);
      spans.push(items[i]);
    }
  }
  // Matches nest (a match calling a match); count each sample once by merging the intervals.
  spans.sort(function (a, b) { return a.x - b.x; });
  var covered = 0, reach = -1;
  for (var k = 0; k < spans.length; k++) {
    var s = spans[k].x, e = s + spans[k].w;
    if (e <= reach) continue;
    covered += e - Math.max(s, reach);
    reach = e;
  }
  var pct = fgTotal > 0 ? 100 * covered / fgTotal : 0;
  fgMatched.nodeValue = spans.length === 0 ? 'No matches' : 'Matched: ' + pct.toFixed(2) + '% (' + spans.length + ' frames)';
  fgKeep(function (p) {
    p.set('s', term);
  });
  fgSearchBtn.classList.add('show');
  fgSearchBtn.firstChild.nodeValue = 'Reset Search';
}

function fgClearHighlights() {
  if (!fgItems) return;
  for (var i = 0; i < fgItems.length; i++) fgItems[i].rect.setAttribute('fill', fgItems[i].fill);
}

function fgResetSearch() {
  if (!fgSearch) return;
  fgClearHighlights();
  fgSearch = null;
  fgMatched.nodeValue = ' ';
  fgSearchBtn.classList.remove('show');
  fgSearchBtn.firstChild.nodeValue = 'Search';
  fgKeep(function (p) {
    p.delete('s');
  });
}
