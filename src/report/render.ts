import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';
import { textWidth } from './text-width.js';

/**
 * Headless chart rendering: Vega-Lite spec → Vega → SVG string → (resvg) PNG. Vega lays text out with
 * its own width estimate when there is no canvas; the stock one (0.8 em a character) is far too wide,
 * which leaves gaps and cuts long class names, so widths come from DejaVu Sans's advances (text-width.ts).
 */

interface TextItem {
  fontSize?: number;
  fontWeight?: string | number;
  text?: unknown;
}

let metricsInstalled = false;

/** Vega documents replacing `textMetrics.width` for environments without a canvas (vl-convert does it). */
function installTextMetrics(): void {
  if (metricsInstalled) return;
  const metrics = (vega as unknown as { textMetrics: { width: (item: TextItem, text?: unknown) => number } })
    .textMetrics;
  metrics.width = (item, text) => {
    const value = text ?? item.text;
    const line = Array.isArray(value) ? value.join(' ') : value == null ? '' : String(value);
    const weight = item.fontWeight;
    const bold = weight === 'bold' || (typeof weight === 'number' && weight >= 600);
    return textWidth(line, item.fontSize ?? 11, bold);
  };
  metricsInstalled = true;
}

/** Compiles a Vega-Lite spec; compiler warnings are returned instead of printed (only the CLI prints). */
export function compileSpec(spec: TopLevelSpec): { vegaSpec: vega.Spec; warnings: string[] } {
  const warnings: string[] = [];
  let level = 0;
  const logger = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    warn: (...args: unknown[]) => (warnings.push(args.map(String).join(' ')), logger),
    info: () => logger,
    debug: () => logger,
    error: (...args: unknown[]) => (warnings.push(args.map(String).join(' ')), logger),
  };
  const { spec: vegaSpec } = compile(spec, { logger: logger as never });
  return { vegaSpec: vegaSpec as vega.Spec, warnings };
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  installTextMetrics();
  const { vegaSpec } = compileSpec(spec);
  const view = new vega.View(vega.parse(vegaSpec), { renderer: 'none', logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const FONT_DIRS = ['/usr/share/fonts', '/usr/local/share/fonts', '/Library/Fonts', '/System/Library/Fonts'];
/** Sans families the PNGs may use, best first: DejaVu Sans (whose widths the layout assumes), then look-alikes. */
const FAMILIES: { family: string; files: string[] }[] = [
  { family: 'DejaVu Sans', files: ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'] },
  { family: 'Verdana', files: ['Verdana.ttf', 'Verdana Bold.ttf', 'verdana.ttf', 'verdanab.ttf'] },
  { family: 'Liberation Sans', files: ['LiberationSans-Regular.ttf', 'LiberationSans-Bold.ttf'] },
  { family: 'Noto Sans', files: ['NotoSans-Regular.ttf', 'NotoSans-Bold.ttf'] },
  { family: 'Arial', files: ['Arial.ttf', 'Arial Bold.ttf', 'arial.ttf', 'arialbd.ttf'] },
];

function findFiles(dir: string, names: string[], depth = 4): string[] {
  if (depth < 0 || !existsSync(dir)) return [];
  const found: string[] = [];
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) found.push(...findFiles(path, names, depth - 1));
      else if (names.includes(entry.name)) found.push(path);
    }
  } catch {
    // an unreadable folder just has no fonts for us
  }
  return found;
}

let fontOptions: ResvgRenderOptions['font'] | null = null;

/**
 * Loads just the files of the first family found (fast, and the same on every machine that has it) and
 * makes it the sans-serif; with none of them, all system fonts, leaving resvg to pick its default.
 */
function resvgFonts(): ResvgRenderOptions['font'] {
  if (fontOptions) return fontOptions;
  const found = FONT_DIRS.flatMap((dir) =>
    findFiles(
      dir,
      FAMILIES.flatMap((f) => f.files),
    ),
  );
  const name = (path: string): string => basename(path);
  const family = FAMILIES.find((f) => found.some((path) => f.files.includes(name(path))));
  fontOptions = family
    ? {
        loadSystemFonts: false,
        fontFiles: found.filter((path) => family.files.includes(name(path))),
        defaultFontFamily: family.family,
        sansSerifFamily: family.family,
      }
    : { loadSystemFonts: true };
  return fontOptions;
}

/** Rasterises an SVG at `zoom` × its size (2 keeps text sharp on high-density screens). */
export function svgToPng(svg: string, zoom = 2): Uint8Array {
  const resvg = new Resvg(svg, {
    font: resvgFonts(),
    fitTo: { mode: 'zoom', value: zoom },
    background: 'white',
    logLevel: 'off',
  });
  return new Uint8Array(resvg.render().asPng());
}
