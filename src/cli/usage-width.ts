// citty lays its usage out for one long line per option; a terminal is 80 columns. Long lines are wrapped
// here: a table row's description continues under its own column, other lines under their indent.

const WIDTH = 80;
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC
const ANSI = /\u001b\[[0-9;]*m/g;
const visible = (text: string) => text.replace(ANSI, "").length;
/** A row: its label (indent, text, then two or more spaces) and the description after it. */
const ROW = /^(\s*\S.*?\s{2,})(\S.*)$/;

export function fitUsage(text: string, width = WIDTH): string {
  return text
    .split("\n")
    .flatMap((line) => wrapLine(line.trimEnd(), width))
    .join("\n");
}

function wrapLine(line: string, width: number): string[] {
  if (visible(line) <= width) return [line];
  const row = ROW.exec(line);
  const label = row?.[1] ?? "";
  const labelWidth = visible(label);
  if (row && labelWidth <= width / 2) return flow(row[2] ?? "", label, " ".repeat(labelWidth), width);
  // A very wide label, or no columns: continue a few spaces in from the line's own indent.
  const indent = /^\s*/.exec(line)?.[0] ?? "";
  return flow(line.slice(indent.length), indent, `${indent}    `, width);
}

/** Words (split at spaces, and after `|` in a long list of choices) filled into lines of `width`. */
function flow(text: string, first: string, rest: string, width: number): string[] {
  const words = text
    .split(" ")
    .flatMap((word) => (visible(word) > width / 2 ? word.split(/(?<=\|)/) : [word]));
  const lines: string[] = [];
  let current = first;
  let empty = true;
  for (const word of words) {
    const joiner = empty || current.endsWith("|") ? "" : " ";
    if (!empty && visible(current) + joiner.length + visible(word) > width) {
      lines.push(current.trimEnd());
      current = rest;
      empty = true;
    }
    current += (empty ? "" : current.endsWith("|") ? "" : " ") + word;
    empty = false;
  }
  lines.push(current.trimEnd());
  return lines;
}
