// Preload (node --require ./loopback-listen.cjs ...) that makes every TCP listen() which names
// no host bind 127.0.0.1 instead of all interfaces. server-everything's Streamable HTTP mode
// calls app.listen(PORT) with no host and has no option for one; with this preload it stays
// on loopback. Host-qualified listens and Unix sockets are left alone.
"use strict";
const net = require("node:net");
const HOST = process.env.LOOPBACK_LISTEN_HOST || "127.0.0.1";
const orig = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const a0 = args[0];
  if (typeof a0 === "number" || (typeof a0 === "string" && /^\d+$/.test(a0))) {
    if (typeof args[1] !== "string") args.splice(1, 0, HOST);
  } else if (a0 && typeof a0 === "object" && !Array.isArray(a0) && a0.path === undefined &&
             a0.fd === undefined && a0.handle === undefined && a0._handle === undefined &&
             a0.host === undefined) {
    args[0] = { ...a0, host: HOST };
  }
  return orig.apply(this, args);
};
