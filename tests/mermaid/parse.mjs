// Mermaid's own parser, without a browser: the tests' check that every diagram the toolkit
// writes is one GitHub can draw.
//
//   node parse.mjs < diagrams.json     (a JSON list of diagram texts)
//
// prints a JSON list, one result per diagram in order: {"ok": true, "type": ..., "config": ...}
// (the diagram type, and the configuration its init directive set) or {"ok": false, "error": ...}.
//
// mermaid.parse needs no DOM, but mermaid sanitizes text with DOMPurify, which is built when it
// is first imported, from the global `window`: without one it is a stub with no `addHook`, and
// every diagram with a title or a label fails. jsdom's window is given before mermaid is
// imported. Anything mermaid logs goes to stderr, so stdout is only the JSON.
import { JSDOM } from "jsdom";

for (const name of ["log", "info", "debug", "warn", "error", "trace"]) {
  console[name] = (...args) => process.stderr.write(args.map(String).join(" ") + "\n");
}
globalThis.window = new JSDOM("").window;
const { default: mermaid } = await import("mermaid");

let input = "";
for await (const chunk of process.stdin) {
  input += chunk;
}
const texts = JSON.parse(input);
if (!Array.isArray(texts) || !texts.every((text) => typeof text === "string")) {
  process.stderr.write("parse.mjs: expected a JSON list of diagram texts on stdin\n");
  process.exit(2);
}

const results = [];
for (const text of texts) {
  try {
    const parsed = await mermaid.parse(text);
    results.push({ ok: true, type: parsed.diagramType, config: parsed.config ?? {} });
  } catch (error) {
    results.push({ ok: false, error: String(error?.message ?? error) });
  }
}
process.stdout.write(JSON.stringify(results) + "\n");
