import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ClientSuiteOptions,
  type ClientSuiteOptionsInput,
  resolveClientSuiteOptions,
} from '../options.js';
import {
  appliesTo,
  type CheckResult,
  judge,
  notApplicable,
  type SuiteReport,
  summarize,
} from '../suite/result.js';
import type { ProgressListener } from '../suite/run-server-suite.js';
import { type MockPair, startMockPair } from './mock-servers.js';
import { CLIENT_SCENARIOS, type ClientExit, type ClientScenario, CONTROL_SCENARIO } from './scenarios.js';

/**
 * A forward proxy that refuses everything and records where the client wanted to go. The client gets it as
 * `HTTP(S)_PROXY` with `NODE_USE_ENV_PROXY=1` and loopback in `NO_PROXY`, so only connections to other hosts
 * (the unsafe ones the scenarios offer) reach it.
 */
async function startEgressRecorder() {
  const targets: string[] = [];
  const server = createServer((req, res) => {
    const url = URL.parse(req.url ?? '');
    targets.push(url === null ? String(req.url) : `${url.hostname}:${url.port || 80}`);
    res.writeHead(502).end();
  });
  server.on('connect', (req, socket) => {
    targets.push(String(req.url));
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    targets,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function runClient(
  options: ClientSuiteOptions,
  scenario: string,
  serverUrl: string,
  env: NodeJS.ProcessEnv,
): Promise<ClientExit> {
  const [command = '', ...args] = options.command;
  return new Promise((resolve) => {
    const child = spawn(command, [...args, serverUrl], {
      env: {
        ...env,
        MCP_CONFORMANCE_SCENARIO: `portcullis/${scenario}`,
        MCP_CONFORMANCE_PROTOCOL_VERSION: options.spec,
      },
      stdio: ['ignore', 'ignore', 'ignore'],
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    const done = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut });
    };
    child.once('error', () => done(null, null));
    child.once('exit', done);
  });
}

async function runScenario(options: ClientSuiteOptions, scenario: ClientScenario): Promise<CheckResult[]> {
  const pairs: MockPair[] = [];
  const egress = await startEgressRecorder();
  const home = mkdtempSync(join(tmpdir(), 'portcullis-conformance-client-'));
  const proxy = egress.url;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    NODE_USE_ENV_PROXY: '1',
    HTTP_PROXY: proxy,
    HTTPS_PROXY: proxy,
    http_proxy: proxy,
    https_proxy: proxy,
    NO_PROXY: '127.0.0.1,localhost,::1',
    no_proxy: '127.0.0.1,localhost,::1',
  };
  try {
    for (const behaviour of scenario.pairs) pairs.push(await startMockPair(behaviour));
    const exits: ClientExit[] = [];
    for (const index of scenario.runs) {
      exits.push(await runClient(options, scenario.name, pairs[index]?.serverUrl ?? '', env));
    }
    const run = { pairs, exits, egress: egress.targets };
    const results: CheckResult[] = [];
    for (const check of scenario.checks) results.push(judge(check, await check.run(run)));
    return results;
  } finally {
    await Promise.all(pairs.map((pair) => pair.close()));
    await egress.close();
    rmSync(home, { recursive: true, force: true });
  }
}

/** Every scenario name the client suite knows, the control first. */
export const CLIENT_SCENARIO_NAMES: readonly string[] = [CONTROL_SCENARIO, ...CLIENT_SCENARIOS].map(
  (s) => s.name,
);

/**
 * Run an MCP client against the suite's checking servers, one scenario at a time, with the official suite's
 * calling convention: the command gets the MCP server URL as its last argument and `MCP_CONFORMANCE_SCENARIO`
 * in its environment, and must authorize headlessly (fetch the authorization URL with `redirect: manual` and
 * read the code from `Location`). The control scenario runs first; when the client cannot complete a normal
 * flow, the other scenarios are skipped, because a client that does nothing would pass them.
 *
 * @throws {ConformanceError} `ERR_PORTCULLIS_INVALID_ARGUMENT` for bad options.
 */
export async function runClientSuite(
  input: ClientSuiteOptionsInput,
  onProgress?: ProgressListener,
): Promise<SuiteReport> {
  const options = resolveClientSuiteOptions(input);
  const wanted = options.scenarios === undefined ? undefined : new Set(options.scenarios);
  const scenarios = CLIENT_SCENARIOS.filter((s) => wanted === undefined || wanted.has(s.name));
  const total = CONTROL_SCENARIO.checks.length + scenarios.reduce((n, s) => n + s.checks.length, 0);
  const results: CheckResult[] = [];
  const report = (result: CheckResult) => {
    results.push(result);
    onProgress?.(result, results.length - 1, total);
  };
  const control = await runScenario(options, CONTROL_SCENARIO);
  control.forEach(report);
  const controlPassed = control.every((r) => r.status === 'pass');
  for (const scenario of scenarios) {
    const applicable = scenario.checks.filter((c) => appliesTo(c.id, options.spec));
    for (const check of scenario.checks.filter((c) => !applicable.includes(c)))
      report(notApplicable(check, `not part of ${options.spec}`));
    if (applicable.length === 0) continue;
    if (!controlPassed) {
      for (const check of applicable)
        report(judge(check, { skip: 'the client failed the control scenario' }));
      continue;
    }
    const outcomes = await runScenario({ ...options }, { ...scenario, checks: applicable });
    outcomes.forEach(report);
  }
  return {
    suite: 'client',
    target: options.command.join(' '),
    spec: options.spec,
    results,
    summary: summarize(results),
  };
}
