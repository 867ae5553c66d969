#!/usr/bin/env node
// portcullis-keycloak: command-line entry. `check <issuer> --resource <url> [--user u --password p]` prints the
// realm check as a table and exits 1 when any check fails, 2 on usage errors, 0 when ready or incomplete.
import { parseArgs } from 'node:util';
import { checkRealm } from './check-realm.js';
import { formatReport } from './check-result.js';

const usage = `Usage: portcullis-keycloak check <issuer> --resource <mcp-url> [--user <name> --password <pw>]
                                   [--scope "openid mcp:tools"] [--no-resource-param] [--json]

  <issuer>        the realm issuer, e.g. http://127.0.0.1:8080/realms/mcp
  --resource      the MCP server's canonical URL that tokens must carry in aud
  --user/--password  a realm user, for the login + consent + token checks (skipped without one)
  --password-env  read the password from this environment variable instead of the command line
  --json          print the report as JSON (\`result\`: ready | incomplete | failed)

Exit status: 0 when no check failed, 1 when a check failed, 2 on usage errors.
Without --user/--password the login, consent, aud and iss checks are skipped: the report ends with
"Result: incomplete: … skipped" (exit 0, result "incomplete"), never "ready for MCP clients".`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      resource: { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      'password-env': { type: 'string' },
      scope: { type: 'string' },
      'no-resource-param': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, issuer] = positionals;
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (command !== 'check' || issuer === undefined || values.resource === undefined) {
    console.error(usage);
    return 2;
  }
  const password = values['password-env'] ? process.env[values['password-env']] : values.password;
  const report = await checkRealm(issuer, {
    resource: values.resource,
    ...(values.user === undefined ? {} : { username: values.user }),
    ...(password === undefined ? {} : { password }),
    ...(values.scope === undefined ? {} : { scope: values.scope }),
    sendResource: !values['no-resource-param'],
  });
  console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
  return report.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error & { code?: string }) => {
    console.error(`portcullis-keycloak: ${error.code ? `${error.code}: ` : ''}${error.message}`);
    process.exitCode = 2;
  },
);
