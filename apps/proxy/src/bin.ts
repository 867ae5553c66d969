#!/usr/bin/env node
// The `portcullis-proxy` command. It applies the runtime tuning first, before the proxy's modules load: when
// the process lacks it, node is re-executed in place with it (same PID) and this file runs again from the top.
// `PORTCULLIS_PROXY_RUNTIME_TUNING=off` skips it. See `@portcullis/proxy/runtime-tuning`.
import { applyRuntimeTuning } from '@portcullis/proxy/runtime-tuning';

applyRuntimeTuning();
const { main, startFailure } = await import('./main.js');
main().catch((error: unknown) => {
  console.error(startFailure(error));
  process.exit(1);
});
