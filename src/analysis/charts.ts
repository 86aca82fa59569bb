// Heat maps as SVG, rendered in Node without a browser: a Vega-Lite spec compiled to Vega (vega-lite) and drawn
// by a headless Vega View (vega, renderer 'none' → toSVG). Both are imported on first use, so commands that
// draw nothing do not load them.
import type { TopLevelSpec } from 'vega-lite';

export interface HeatmapInput {
  title: string;
  /** row labels, top to bottom (unique) */
  rows: readonly string[];
  /** column labels, left to right (unique) */
  cols: readonly string[];
  /** values[r][c] */
  values: readonly (readonly number[])[];
  /** color scale domain; default: the data's range */
  domain?: [number, number];
  rowTitle?: string;
  colTitle?: string;
  /** cell size in pixels (default 16) */
  cell?: number;
}

/** The Vega-Lite spec of a heat map: one rect per (row, column), color = value, labels in the given order. */
export function heatmapSpec(h: HeatmapInput): TopLevelSpec {
  if (h.values.length !== h.rows.length || h.values.some((r) => r.length !== h.cols.length)) {
    throw new Error(`heat map "${h.title}": values are not ${h.rows.length} × ${h.cols.length}`);
  }
  for (const [what, labels] of [['row', h.rows], ['column', h.cols]] as const) {
    if (new Set(labels).size !== labels.length) throw new Error(`heat map "${h.title}": ${what} labels are not unique`);
  }
  const values = h.rows.flatMap((row, r) => h.cols.map((col, c) => ({ row, col, value: h.values[r]![c]! })));
  const cell = h.cell ?? 16;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: h.title,
    width: cell * h.cols.length,
    height: cell * h.rows.length,
    background: 'white',
    data: { values },
    mark: 'rect',
    encoding: {
      x: { field: 'col', type: 'ordinal', sort: [...h.cols], title: h.colTitle ?? null, axis: { labelAngle: -60 } },
      y: { field: 'row', type: 'ordinal', sort: [...h.rows], title: h.rowTitle ?? null },
      color: { field: 'value', type: 'quantitative', scale: { scheme: 'viridis', ...(h.domain ? { domain: h.domain } : {}) }, legend: { title: null } },
      tooltip: [{ field: 'row' }, { field: 'col' }, { field: 'value', format: '.3f' }],
    },
  };
}

/** Render a Vega-Lite spec to an SVG document. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export async function heatmapSvg(h: HeatmapInput): Promise<string> {
  return renderSvg(heatmapSpec(h));
}
