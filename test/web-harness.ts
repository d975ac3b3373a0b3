// Shared by the web page's tests: Debian's Chromium through playwright-core, and what the tests
// read off the page's canvas (its colours, a frame's box and pixel) as a person would see them.
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';

// Page-side callbacks run in Chromium; the tests' own lib has no DOM types.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const window: any;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: 30_000,
  });
}

/** Pixels of the warm palette (orange/yellow), of diff red (g = b) and of diff blue. */
export function colourCounts(p: Page): Promise<{ warm: number; red: number; blue: number }> {
  return p.evaluate(() => {
    const cv = document.getElementById('flame');
    const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
    let warm = 0;
    let red = 0;
    let blue = 0;
    for (let i = 0; i < d.length; i += 4) {
      const r = d[i];
      const g = d[i + 1];
      const b = d[i + 2];
      if (r > 150 && g - b > 30 && b <= 90) warm++;
      else if (r > b + 40 && Math.abs(g - b) <= 2) red++;
      else if (b > r + 40 && Math.abs(r - g) <= 2) blue++;
    }
    return { warm, red, blue };
  });
}

export interface FrameBox {
  x: number;
  y: number;
  w: number;
  h: number;
  index: number;
}

/** Where the widest frame with this name is drawn, in canvas CSS pixels; undefined when it is not. */
export function frameBox(p: Page, name: string): Promise<FrameBox | undefined> {
  return p.evaluate((n) => window.flame.graph.frameBox(n) as FrameBox | undefined, name);
}

/** Click the middle of the widest frame with this name, as a person would. */
export async function clickFrame(p: Page, name: string): Promise<void> {
  const box = await frameBox(p, name);
  assert.ok(box, `frame ${name} is drawn`);
  const cv = await p.locator('#flame').boundingBox();
  await p.mouse.click(cv!.x + box.x + box.w / 2, cv!.y + box.y + box.h / 2);
}

/** The pixel a frame is painted with, just inside its top edge, above its label: [r, g, b]. */
export function framePixel(p: Page, box: FrameBox): Promise<[number, number, number]> {
  return p.evaluate((b) => {
    const cv = document.getElementById('flame');
    const dpr = window.devicePixelRatio || 1;
    const [r, g, bl] = cv.getContext('2d').getImageData(Math.floor((b.x + b.w / 2) * dpr), Math.floor((b.y + 1) * dpr), 1, 1).data;
    return [r, g, bl] as [number, number, number];
  }, box);
}

/** What colour a frame is painted, as the diff colours it. */
export async function frameColour(p: Page, box: FrameBox): Promise<'red' | 'blue' | 'grey' | 'other'> {
  const [r, g, bl] = await framePixel(p, box);
  if (r > bl + 40 && Math.abs(g - bl) <= 2) return 'red';
  if (bl > r + 40 && Math.abs(r - g) <= 2) return 'blue';
  if (r === g && g === bl && r < 255) return 'grey';
  return 'other';
}
