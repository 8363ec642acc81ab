// A chat server written the usual way with Socket.IO on Node.js, for causette's benchmark:
// `node server.js PORT`. Same events and message shapes as causette (see bench/peers/README.md):
// hello -> welcome + synced; join/leave a room -> joined/left; post -> ack to the sender, then
// `message` to everyone in the room (sender included); pm -> ack + message to both parties.
// Production defaults: WebSocket engine `ws`, no per-message deflate, one process.
"use strict";
const http = require("http");
const { Server } = require("socket.io");

const port = Number(process.argv[2] || 8000);
const httpServer = http.createServer((req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end('{"status":"ok"}');
    return;
  }
  res.writeHead(404);
  res.end();
});
const io = new Server(httpServer, { serveClient: false, perMessageDeflate: false });

const nextId = new Map(); // channel -> last id
const byName = new Map(); // pseudonym -> socket
function userOf(name) {
  return { pseudonym: name, age: 30, gender: "x", region: "Bretagne" };
}
function bump(channel) {
  const id = (nextId.get(channel) || 0) + 1;
  nextId.set(channel, id);
  return id;
}

io.on("connection", (socket) => {
  let name = "bench";
  socket.on("hello", (ev) => {
    if (ev && typeof ev.token === "string") name = ev.token;
    byName.set(name, socket);
    socket.emit("welcome", { type: "welcome" });
    socket.emit("synced", { type: "synced", channels: {} });
  });
  socket.on("join", (ev) => {
    socket.join(ev.room);
    socket.emit("joined", { type: "joined", room: { slug: ev.room } });
  });
  socket.on("leave", (ev) => {
    socket.leave(ev.room);
    socket.emit("left", { type: "left", room: ev.room });
  });
  socket.on("post", (ev) => {
    const channel = "room:" + ev.room;
    const id = bump(channel);
    const ts = Date.now() / 1000;
    socket.emit("ack", { type: "ack", ref: ev.ref, channel, id, ts });
    io.to(ev.room).emit("message", {
      type: "message", channel, id, ts, from: userOf(name), text: ev.text,
    });
  });
  socket.on("pm", (ev) => {
    const pair = [name, ev.to].sort().join("|");
    const channel = "pm:" + pair;
    const id = bump(channel);
    const ts = Date.now() / 1000;
    socket.emit("ack", { type: "ack", ref: ev.ref, channel, id, ts });
    const msg = { type: "message", channel, id, ts, from: userOf(name), text: ev.text };
    socket.emit("message", msg);
    const peer = byName.get(ev.to);
    if (peer) peer.emit("message", msg);
  });
  socket.on("disconnect", () => {
    if (byName.get(name) === socket) byName.delete(name);
  });
});

httpServer.listen(port, "127.0.0.1");
process.on("SIGTERM", () => process.exit(0));
