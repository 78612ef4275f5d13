// Aliased for `http2` and `node:http2` in the function bundles (lib/constructs/function-bundling.ts).
// Only the Bedrock client's streaming handler needs HTTP/2; an ES module import of node:http2 is
// hoisted to the top of the bundle and loads it (about 15 ms) at every cold start, also where
// enrichment is local and the Bedrock client is never created. Taken through this file, it is
// loaded only when that client's module is first initialised. process.getBuiltinModule, not
// require: esbuild would alias a require of node:http2 back to this file.
module.exports = process.getBuiltinModule('node:http2');
