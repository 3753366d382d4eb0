// `npm run web [-- --port N --data-dir DIR]`: serves the browser demo on localhost until Ctrl-C.
// The port comes from --port, else PORT, else 8080; MNIST from --data-dir, else LOTTERY_DATA_DIR,
// else the cache (as for the CLI).
import { parseArgs } from "node:util";
import { startWebServer } from "./server.js";

function parsePort(text: string, from: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid ${from} ${JSON.stringify(text)}: must be an integer port in [0, 65535]`);
  return port;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      "data-dir": { type: "string" },
      host: { type: "string", default: "127.0.0.1" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log("usage: npm run web -- [--port N (default $PORT or 8080)] [--data-dir DIR (default $LOTTERY_DATA_DIR or the cache)] [--host ADDR]");
    return;
  }
  const port = values.port !== undefined ? parsePort(values.port, "--port") : process.env.PORT ? parsePort(process.env.PORT, "PORT") : 8080;
  const server = await startWebServer({ port, host: values.host, dataDir: values["data-dir"] });
  console.log(`lottery-wasm browser demo: ${server.url}  (MNIST from ${server.dataDir}; Ctrl-C stops)`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((err: unknown) => {
  console.error((err as Error).message ?? err);
  process.exit(1);
});
