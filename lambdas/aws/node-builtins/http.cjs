// Aliased for `http` and `node:http` in the function bundles (lib/constructs/function-bundling.ts).
// An ES module import of node:http builds the module's namespace, which reads every export,
// including the lazy WebSocket, EventSource and fetch getters: that loads undici (about 30-45 ms
// of a cold start) although the AWS SDK only needs http.Agent and http.request. Taken as a plain
// object here, nothing is read until it is used, and the bundle evaluates this file only when a
// module that needs http is first initialised. process.getBuiltinModule, not require: esbuild
// would alias a require of node:http back to this file.
module.exports = process.getBuiltinModule('node:http');
