// The JavaScript SDK v3 as a judge: ONE long-lived Node process per adapter (a call costs
// milliseconds, not a Node start-up), driven by JSON lines.
//
//   node adapter.mjs <sdk dir>       (<sdk dir>/node_modules/@aws-sdk/client-cognito-identity-provider)
//
// First line written: {"ready": true, "sdk": "<version>", "node": "<version>"} or
// {"ready": false, "error": "..."} (then exit 1).
// Each request line:  {"id", "operation", "params", "endpoint", "region",
//                      "credentials": {"accessKeyId", "secretAccessKey", "sessionToken"?},
//                      "timeoutMs"}
// Each answer line:   {"id", "ok": true, "httpStatusCode", "output"}
//                  or {"id", "ok": false, "error": {"name", "message", "httpStatusCode",
//                      "fault", "modeled", "service", "className", "code", "bodyText"}}
// `modeled`: the error is an instance of the exception class the package exports under
// error.name, a subclass of its CognitoIdentityProviderServiceException (what
// `err instanceof UsernameExistsException` in an app tests); `service`: it is at least a
// service exception (the SDK's generic one for an unknown code).
// Requests run concurrently; answers carry their id. stdin's end ends the process (so it
// never outlives the suite).
import { createRequire } from "node:module";
import path from "node:path";
import readline from "node:readline";

const PACKAGE = "@aws-sdk/client-cognito-identity-provider";
const write = (value) => process.stdout.write(JSON.stringify(value) + "\n");

let sdk;
let sdkVersion;
try {
  const require = createRequire(path.join(path.resolve(process.argv[2] || "."), "package.json"));
  sdk = require(PACKAGE);
  sdkVersion = require(`${PACKAGE}/package.json`).version;
} catch (err) {
  write({ ready: false, error: `${PACKAGE} could not be loaded: ${err && err.message}` });
  process.exit(1);
}
const Base = sdk.CognitoIdentityProviderServiceException;
const clients = new Map();

function clientFor(req) {
  const key = JSON.stringify([req.endpoint, req.region, req.credentials, req.timeoutMs]);
  let client = clients.get(key);
  if (!client) {
    const c = req.credentials || {};
    client = new sdk.CognitoIdentityProviderClient({
      endpoint: req.endpoint,
      region: req.region,
      credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey,
                     ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) },
      maxAttempts: 1,
      requestHandler: { requestTimeout: req.timeoutMs, connectionTimeout: req.timeoutMs },
    });
    clients.set(key, client);
  }
  return client;
}

function describe(err) {
  const e = err || {};
  const cls = typeof e.name === "string" ? sdk[e.name] : undefined;
  const modeled = typeof cls === "function" && cls !== Base && !!Base &&
    cls.prototype instanceof Base && e instanceof cls;
  const body = e.$responseBodyText ?? e.$response?.body;
  return {
    name: e.name ?? null,
    message: typeof e.message === "string" ? e.message : (e.message === undefined ? null : JSON.stringify(e.message)),
    messageType: Array.isArray(e.message) ? "array" : typeof e.message,
    httpStatusCode: e.$metadata?.httpStatusCode ?? e.$response?.statusCode ?? null,
    fault: e.$fault ?? null,
    modeled,
    service: !!Base && e instanceof Base,
    className: e.constructor?.name ?? null,
    code: typeof e.code === "string" ? e.code : null,
    bodyText: typeof body === "string" ? body.slice(0, 400) : null,
  };
}

async function handle(req) {
  const Command = sdk[`${req.operation}Command`];
  if (typeof Command !== "function") {
    return { id: req.id, ok: false, error: { name: "UnknownOperation", message: `no ${req.operation}Command in ${PACKAGE}`, modeled: false, service: false, httpStatusCode: null, fault: null, className: null, code: null, bodyText: null } };
  }
  try {
    const out = await clientFor(req).send(new Command(req.params || {}));
    const { $metadata, ...output } = out;
    return { id: req.id, ok: true, httpStatusCode: $metadata?.httpStatusCode ?? null, output };
  } catch (err) {
    return { id: req.id, ok: false, error: describe(err) };
  }
}

write({ ready: true, sdk: sdkVersion, node: process.version });
const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on("line", (line) => {
  if (!line.trim()) return;
  let req;
  try {
    req = JSON.parse(line);
  } catch (err) {
    write({ id: null, ok: false, error: { name: "BadRequestLine", message: String(err) } });
    return;
  }
  handle(req).then(write, (err) => write({ id: req.id, ok: false, error: describe(err) }));
});
lines.on("close", () => process.exit(0));
