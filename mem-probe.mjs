const mods = process.argv.slice(2);
const rss = () => { global.gc(); return process.memoryUsage().rss / 1048576; };
let last = rss();
for (const m of mods) { await import(m); await new Promise(r => setTimeout(r, 100)); const now = rss(); console.log(m.padEnd(40), now.toFixed(1), '+' + (now - last).toFixed(1)); last = now; }
