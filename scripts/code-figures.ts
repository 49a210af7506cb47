// Figures for reviewing the code's shape: the longest functions, and which top-level folders of src/
// import which (each arrow with how many imports). `bun scripts/code-figures.ts [--top N]`.
// Function bodies are found by brace matching outside strings and comments: close enough for sizes.
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const root = join(import.meta.dir, "..", "src");
const top = Number(process.argv[process.argv.indexOf("--top") + 1]) || 10;
const files = [...new Bun.Glob("**/*.ts").scanSync(root)].filter((f) => !f.endsWith(".d.ts"));

const sizes: { name: string; lines: number }[] = [];
const arrows = new Map<string, number>();
for (const file of files) {
  const text = readFileSync(join(root, file), "utf8");
  const from = file.split("/")[0]?.replace(/\.ts$/, "") ?? "";
  for (const match of text.matchAll(/from "(\.[^"]+)"/g)) {
    const target = relative(root, join(root, dirname(file), match[1] ?? ""));
    const to = target.split("/")[0]?.replace(/\.ts$/, "") ?? "";
    if (to !== from && !target.startsWith(".."))
      arrows.set(`${from} → ${to}`, (arrows.get(`${from} → ${to}`) ?? 0) + 1);
  }
  const lines = text.split("\n");
  lines.forEach((line, index) => {
    const fn = /^\s*(?:export\s+)?(?:async\s+)?function\s*\*?\s*([A-Za-z0-9_$]+)/.exec(line);
    const method =
      /^\s{2}(?:private\s+|static\s+|async\s+)*([A-Za-z0-9_$]+)\s*(?:<[^>]*>)?\(.*\)\s*(?::\s*[^{]+)?\{\s*$/.exec(
        line,
      );
    const name =
      fn?.[1] ?? (method && !/^(if|for|while|switch|catch)$/.test(method[1] ?? "") ? method[1] : undefined);
    if (name === undefined) return;
    const length = bodyLines(lines, index);
    if (length > 0) sizes.push({ name: `${file}:${index + 1} ${name}`, lines: length });
  });
}

/** Lines from the declaration to its closing brace. */
function bodyLines(lines: readonly string[], start: number): number {
  let depth = 0;
  let opened = false;
  for (let i = start; i < lines.length; i++) {
    const code = (lines[i] ?? "").replace(/\/\/.*$/, "").replace(/(["'`])(?:\\.|(?!\1).)*\1/g, '""');
    for (const char of code) {
      if (char === "{") {
        depth++;
        opened = true;
      } else if (char === "}") depth--;
    }
    if (opened && depth <= 0) return i - start + 1;
  }
  return 0;
}

sizes.sort((a, b) => b.lines - a.lines);
console.log(`Longest functions (of ${sizes.length}):`);
for (const { name, lines } of sizes.slice(0, top)) console.log(`  ${String(lines).padStart(4)}  ${name}`);
console.log(`Functions over 60 lines: ${sizes.filter((s) => s.lines > 60).length}`);
console.log("\nImports between top-level folders of src/:");
for (const [arrow, count] of [...arrows].sort()) console.log(`  ${arrow} (${count})`);
const pairs = [...arrows.keys()].map((a) => a.split(" → "));
const cycles = pairs
  .filter(([a, b]) => pairs.some(([c, d]) => c === b && d === a))
  .map(([a, b]) => `${a} ↔ ${b}`);
console.log(
  `Two-way arrows: ${[...new Set(cycles.map((c) => c.split(" ↔ ").sort().join(" ↔ ")))].join(", ") || "none"}`,
);
