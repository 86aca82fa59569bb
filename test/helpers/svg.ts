// Checks of the SVG files the analysis writes (Vega's SVG renderer output).
import assert from 'node:assert/strict';

/** Well-formed XML as far as tags go: every opened element is closed in order. Returns the element count. */
export function checkSvg(svg: string): number {
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  const stack: string[] = [];
  let n = 0;
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    if (m[1]) assert.equal(stack.pop(), m[2], `</${m[2]}> closes <${stack.at(-1)}>`);
    else if (!m[3]) stack.push(m[2]!);
    n++;
  }
  assert.deepEqual(stack, []);
  return n;
}

/** The heat map cells of an SVG, as their aria labels ("col: x; row: y; value: v"). */
export function cells(svg: string): string[] {
  return [...svg.matchAll(/<path aria-label="([^"]*)" role="graphics-symbol" aria-roledescription="rect mark"/g)].map((m) => m[1]!);
}
