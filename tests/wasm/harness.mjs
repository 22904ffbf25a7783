// Runs the WebAssembly searcher of a built site in node, reading index files from disk
// exactly as the browser worker reads them over HTTP ranges (same imports, same protocol),
// and prints the responses to the requests given, as one JSON array.
//
// usage: node harness.mjs <built site folder> <requests.json>
import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";

const [out, requestsFile] = process.argv.slice(2);
const dir = path.join(out, "search");
// The searcher is published compressed; it is unpacked by the built site's own worker
// script, so its decoder is tested on every module.
const worker = { self: {} };
vm.createContext(worker);
vm.runInContext(fs.readFileSync(path.join(dir, "worker.js"), "utf8"), worker);

// One searcher per manifest, as the search page opens its language's part of the index
// (`manifest.zh.json`) and a request without a language needs the whole (`manifest.json`).
async function searcher(manifestName) {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, manifestName), "utf8"));
  const fds = manifest.files.map((f) => fs.openSync(path.join(dir, f.url), "r"));
  let exports;
  function qiao_fetch(file, start, length, dst) {
    const buf = Buffer.alloc(length >>> 0);
    const n = fs.readSync(fds[file], buf, 0, buf.length, start >>> 0);
    if (n !== buf.length) return -1;
    new Uint8Array(exports.memory.buffer, dst >>> 0, n).set(buf);
    return 0;
  }
  function withString(text, fn) {
    return withBytes(new TextEncoder().encode(text), fn);
  }
  function withBytes(bytes, fn) {
    const ptr = exports.qiao_alloc(bytes.length);
    new Uint8Array(exports.memory.buffer, ptr, bytes.length).set(bytes);
    try { return fn(ptr, bytes.length); } finally { exports.qiao_free(ptr, bytes.length); }
  }
  function readResult(ptr) {
    const len = new DataView(exports.memory.buffer).getUint32(ptr, true);
    return JSON.parse(new TextDecoder().decode(new Uint8Array(exports.memory.buffer, ptr + 4, len)));
  }
  const wasm = worker.unlzma(new Uint8Array(fs.readFileSync(path.join(dir, manifest.wasm))));
  const { instance } = await WebAssembly.instantiate(wasm, { env: { qiao_fetch } });
  exports = instance.exports;
  const lines = manifest.files.map((f) => `${f.name}\t${f.len}\n`).join("");
  // The hot cache, as the worker passes it: the blocks every search reads.
  const hot = manifest.hot
    ? worker.unlzma(new Uint8Array(fs.readFileSync(path.join(dir, manifest.hot.url))))
    : new Uint8Array(0);
  if (withBytes(hot, (h, hn) => withString(lines, (p, n) => exports.qiao_open(p, n, h, hn))) !== 0) {
    console.error(JSON.stringify(readResult(exports.qiao_result())));
    process.exit(1);
  }
  return (request) => withString(JSON.stringify(request), (p, n) => readResult(exports.qiao_search(p, n)));
}

const searchers = new Map();
const requests = JSON.parse(fs.readFileSync(requestsFile, "utf8"));
const responses = [];
const times = [];
for (const request of requests) {
  const name = request.lang ? `manifest.${request.lang}.json` : "manifest.json";
  if (!searchers.has(name)) searchers.set(name, await searcher(name));
  const search = searchers.get(name);
  const started = performance.now();
  responses.push(search(request));
  times.push(performance.now() - started);
}
if (process.env.QIAO_TIMES) console.error(JSON.stringify(times));
process.stdout.write(JSON.stringify(responses));
