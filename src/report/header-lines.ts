import { textWidth } from './text-width.js';

/**
 * Table headers of report.html are set on at most two lines: a browser left to wrap a narrow column
 * breaks "Its test F1" into three, so the page chooses the break itself and forbids any other.
 */

export interface HeaderStyle {
  fontSize: number;
  uppercase: boolean;
  /** Extra space after each character, in em (CSS letter-spacing). */
  letterSpacing: number;
  bold?: boolean;
}

function width(text: string, style: HeaderStyle): number {
  const shown = style.uppercase ? text.toUpperCase() : text;
  return (
    textWidth(shown, style.fontSize, style.bold) + [...shown].length * style.letterSpacing * style.fontSize
  );
}

/**
 * One line when the text is at most `oneLine` pixels wide or has no space; otherwise the two lines,
 * split at the space that makes the longer line shortest.
 */
export function headerLines(text: string, style: HeaderStyle, oneLine: number): string[] {
  const words = text.split(' ');
  if (words.length < 2 || width(text, style) <= oneLine) return [text];
  let best: string[] = [text];
  let bestWidth = Infinity;
  for (let k = 1; k < words.length; k++) {
    const lines = [words.slice(0, k).join(' '), words.slice(k).join(' ')];
    const longest = Math.max(...lines.map((l) => width(l, style)));
    if (longest < bestWidth) [best, bestWidth] = [lines, longest];
  }
  return best;
}

/** The narrowest a column may get so that `text` (wrapping at spaces) takes at most two lines. */
export function twoLineWidth(text: string, style: HeaderStyle): number {
  return Math.ceil(Math.max(...headerLines(text, style, 0).map((l) => width(l, style))));
}
