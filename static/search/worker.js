// qiao search worker: runs the WebAssembly searcher and feeds it index bytes through
// synchronous HTTP Range requests, which browsers allow inside a worker. The searcher
// keeps what it fetched, so later queries download little.
"use strict";

let exports = null;
let files = [];
// A server that ignores Range sends whole files: keep them so they are fetched once.
const wholeFiles = new Map();
const stats = { requests: 0, bytes: 0 };
let ready = null;
// Why the index cannot be searched: "unavailable" when the server failed to send a file,
// "damaged" when what it sent does not fit the manifest or the searcher failed on it.
let problem = null;
// A searcher that trapped (a Rust panic aborts) is in no state to run again.
let broken = null;

function readFile(index, start, length) {
  const file = files[index];
  if (!file) return null;
  const cached = wholeFiles.get(index);
  if (cached) return cached.subarray(start, start + length);
  const xhr = new XMLHttpRequest();
  xhr.open("GET", file.url, false);
  xhr.responseType = "arraybuffer";
  xhr.setRequestHeader("Range", "bytes=" + start + "-" + (start + length - 1));
  xhr.send();
  stats.requests += 1;
  if (xhr.status === 206) {
    const bytes = new Uint8Array(xhr.response);
    stats.bytes += bytes.length;
    if (bytes.length === length) return bytes;
    problem = problem || "damaged";
    return null;
  }
  if (xhr.status === 200) {
    const whole = new Uint8Array(xhr.response);
    stats.bytes += whole.length;
    if (whole.length !== file.len) {
      problem = problem || "damaged";
      return null;
    }
    wholeFiles.set(index, whole);
    return whole.subarray(start, start + length);
  }
  // 416: the file is shorter than the manifest says.
  problem = problem || (xhr.status === 416 ? "damaged" : "unavailable");
  return null;
}

function qiao_fetch(index, start, length, dst) {
  try {
    const bytes = readFile(index, start >>> 0, length >>> 0);
    if (!bytes) return -1;
    // Read the memory buffer now: it is replaced whenever the module's memory grows.
    new Uint8Array(exports.memory.buffer, dst >>> 0, bytes.length).set(bytes);
    return 0;
  } catch (e) {
    return -2;
  }
}

function withString(text, fn) {
  return withBytes(new TextEncoder().encode(text), fn);
}

function withBytes(bytes, fn) {
  const ptr = exports.qiao_alloc(bytes.length);
  new Uint8Array(exports.memory.buffer, ptr, bytes.length).set(bytes);
  try {
    return fn(ptr, bytes.length);
  } finally {
    exports.qiao_free(ptr, bytes.length);
  }
}

function readResult(ptr) {
  const view = new DataView(exports.memory.buffer);
  const length = view.getUint32(ptr, true);
  const text = new TextDecoder().decode(new Uint8Array(exports.memory.buffer, ptr + 4, length));
  return JSON.parse(text);
}

async function init(manifestUrl) {
  const base = new URL(manifestUrl, self.location.href);
  const res = await fetch(base, { cache: "no-cache" });
  if (!res.ok) throw new Error("search manifest: HTTP " + res.status);
  let manifest;
  try {
    manifest = await res.json();
  } catch (e) {
    problem = "damaged";
    throw new Error("search manifest: " + e.message);
  }
  files = manifest.files.map((f) => ({ url: new URL(f.url, base).href, len: f.len }));
  // The module and the hot cache (the index blocks every search reads) at once: both
  // have fingerprinted names, so a returning reader's cache answers for both.
  const [wasm, hot] = await Promise.all([
    fetch(new URL(manifest.wasm, base)),
    wholeFile(manifest.hot, base),
    ...manifest.files.map((f, i) => f.whole && wholeFile(f, base).then((bytes) => wholeFiles.set(i, bytes))),
  ]);
  if (!wasm.ok) throw new Error("search module: HTTP " + wasm.status);
  const imports = { env: { qiao_fetch } };
  const { instance } = await WebAssembly.instantiate(await wasm.arrayBuffer(), imports);
  exports = instance.exports;
  const lines = manifest.files.map((f) => f.name + "\t" + f.len + "\n").join("");
  const opened = withBytes(hot, (h, hn) => withString(lines, (p, n) => exports.qiao_open(p, n, h, hn)));
  if (opened !== 0) {
    throw new Error(readResult(exports.qiao_result()).error || "the index could not be opened");
  }
}

// A file the manifest says to fetch whole (the hot cache, the term dictionaries): an
// ordinary GET, so it comes compressed and the browser's cache keeps it.
async function wholeFile(entry, base) {
  if (!entry) return new Uint8Array(0);
  const res = await fetch(new URL(entry.url, base));
  if (!res.ok) throw new Error(entry.url + ": HTTP " + res.status);
  const bytes = new Uint8Array(await res.arrayBuffer());
  stats.requests += 1;
  stats.bytes += bytes.length;
  if (bytes.length !== entry.len) {
    problem = "damaged";
    throw new Error(entry.url + ": " + bytes.length + " bytes, the manifest says " + entry.len);
  }
  return bytes;
}

function failure(e, id) {
  if (e instanceof WebAssembly.RuntimeError) broken = e;
  // Once the module loaded, an error it reports comes from the index files it read.
  const kind = problem || (exports ? "damaged" : "unavailable");
  return { type: "error", id, kind, message: String((e && e.message) || e) };
}

self.onmessage = async (event) => {
  const message = event.data;
  if (message.type === "init") {
    ready = init(message.manifest);
    try {
      await ready;
      self.postMessage({ type: "ready", stats });
    } catch (e) {
      self.postMessage(failure(e));
    }
    return;
  }
  if (message.type === "search") {
    try {
      await ready;
      if (broken) throw broken;
      const started = performance.now();
      const response = withString(JSON.stringify(message.request), (p, n) => readResult(exports.qiao_search(p, n)));
      const ms = performance.now() - started;
      if (response.error) throw new Error(response.error);
      self.postMessage({ type: "result", id: message.id, response, ms, stats });
    } catch (e) {
      self.postMessage(failure(e, message.id));
    }
  }
};
