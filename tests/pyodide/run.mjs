// Run xlwings Lite's path through a real Pyodide under Node, offline.
//
//   node run.mjs <pyodide index dir> <request.json> <result.json>
//
// The request (written by tests/excel/test_pyodide.py) holds main.py's text, the requirements
// to install (local wheels as emfs: paths), the environment, the Python runtime that
// stands in for Lite's, and the calls. Each call's body is built here as a JavaScript
// object, as Office.js hands it to Lite: an empty cell is JavaScript null.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [indexDir, requestPath, resultPath] = process.argv.slice(2);
const request = JSON.parse(readFileSync(requestPath, "utf8"));
const { loadPyodide } = await import(pathToFileURL(path.join(indexDir, "pyodide.mjs")).href);

const log = (line) => process.stderr.write(line + "\n");
const started = performance.now();
const pyodide = await loadPyodide({
  indexURL: indexDir + path.sep,
  env: request.env,
  stdout: log,
  stderr: log,
});
const timings = { boot_s: (performance.now() - started) / 1000 };

// Lite installs requirements.txt with micropip; the pinned pure wheels are local files.
let t = performance.now();
pyodide.FS.mkdirTree("/tmp/wheels");
for (const [name, file] of Object.entries(request.wheels)) {
  pyodide.FS.writeFile(`/tmp/wheels/${name}`, readFileSync(file));
}
await pyodide.loadPackage("micropip", { messageCallback: log });
const micropip = pyodide.pyimport("micropip");
await micropip.install(request.requirements);
timings.install_s = (performance.now() - t) / 1000;

await pyodide.runPythonAsync(request.runtime);
const runtime = pyodide.globals;

t = performance.now();
const loaded = JSON.parse(runtime.get("load_main")(request.main_py));
timings.load_s = (performance.now() - t) / 1000;

t = performance.now();
const results = [];
const direct = [];
for (const [funcName, args] of request.calls) {
  const body = {
    func_name: funcName,
    args: args,
    version: request.xlwings_version,
    client: "Office.js",
    runtime: "1.4",
    culture_info_name: "en-US",
    date_format: "yyyy-mm-dd",
    caller_address: "Sheet1!A1",
  };
  // Handed over as a JsProxy, which the runtime converts with .to_py() as Lite does.
  results.push(JSON.parse(await runtime.get("call")(body)));
  direct.push(JSON.parse(runtime.get("direct")(funcName, args)));
}
timings.calls_s = (performance.now() - t) / 1000;

const emptyCells = JSON.parse(runtime.get("empty_cells")());
writeFileSync(resultPath, JSON.stringify({ ...loaded, results, direct, empty_cells: emptyCells, timings }));
