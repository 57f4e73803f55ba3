// Shared by the Web Workers that run a Go program (worker.js: the miner,
// node-worker.js: the node). goWorkerCrash(post) keeps the last lines the
// program printed and returns crash(message): once, it calls post with
// message and the line that says what happened (a Go panic prints
// "panic: …" and then the goroutines' stacks). It also reports uncaught
// errors and rejections that way. Plain JS, loaded with importScripts.
self.goWorkerCrash = (post) => {
  const tail = [];
  for (const level of ["log", "error"]) {
    const orig = console[level].bind(console);
    console[level] = (...args) => {
      tail.push(...args.join(" ").split("\n"));
      tail.splice(0, tail.length - 100);
      orig(...args);
    };
  }
  let crashed = false;
  const crash = (message) => {
    if (crashed) return;
    crashed = true;
    const panic = tail.find((l) => l.startsWith("panic: ") || l.startsWith("fatal error: "));
    const last = panic || tail.filter((l) => l.trim() !== "").pop();
    post(last ? `${message}: ${last}` : message);
  };
  self.addEventListener("error", (e) => crash(e.message || "uncaught error"));
  self.addEventListener("unhandledrejection", (e) => crash(String(e.reason)));
  return crash;
};
