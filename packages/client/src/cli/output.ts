import type {
  CallToolResult,
  GetPromptResult,
  ListPromptsResult,
  ListResourcesResult,
  ListToolsResult,
  ReadResourceResult,
} from '@modelcontextprotocol/client';
import yoctoSpinner, { type Spinner } from 'yocto-spinner';
import { type ClientErrorCode, isClientError } from '../errors.js';
import type { ClientEvent } from '../options.js';
import { EXIT, UsageError } from './args.js';

type Content = {
  type: string;
  text?: string;
  mimeType?: string;
  data?: string;
  resource?: { uri: string; text?: string };
  uri?: string;
};

function contentLines(content: readonly Content[]): string {
  return content
    .map((c) => {
      if (c.type === 'text') return c.text ?? '';
      if (c.type === 'image' || c.type === 'audio') {
        return `[${c.type} ${c.mimeType ?? ''}, ${Math.floor(((c.data ?? '').length * 3) / 4)} bytes]`;
      }
      if (c.type === 'resource') return `[resource ${c.resource?.uri ?? ''}]\n${c.resource?.text ?? ''}`;
      if (c.type === 'resource_link') return `[link ${c.uri ?? ''}]`;
      return JSON.stringify(c);
    })
    .join('\n');
}

/** The guide's output for a tool call: `🔧 Tool 'hello-world' result:` and the content. */
export function formatToolResult(name: string, result: CallToolResult): string {
  const body = contentLines((result.content ?? []) as Content[]);
  const structured =
    result.structuredContent !== undefined && body === ''
      ? JSON.stringify(result.structuredContent, null, 2)
      : '';
  const head = result.isError === true ? `❌ Tool '${name}' returned an error:` : `🔧 Tool '${name}' result:`;
  return `${head}\n${body}${structured}`;
}

/** `tools`: one line per tool with its description. */
export function formatTools(result: ListToolsResult): string {
  if (result.tools.length === 0) return '📋 No tools.';
  const lines = result.tools.map((t) => `  - ${t.name}${t.description ? `: ${t.description}` : ''}`);
  return `📋 Available tools:\n${lines.join('\n')}`;
}

/** `resources`: one line per listed resource. */
export function formatResources(result: ListResourcesResult): string {
  if (result.resources.length === 0)
    return '📚 No resources listed (templates can still be read with `read <uri>`).';
  const lines = result.resources.map(
    (r) => `  - ${r.uri}${r.name ? ` (${r.name})` : ''}${r.description ? `: ${r.description}` : ''}`,
  );
  return `📚 Available resources:\n${lines.join('\n')}`;
}

/** `read <uri>`: the text contents of a resource. */
export function formatRead(uri: string, result: ReadResourceResult): string {
  const parts = result.contents.map((c) =>
    'text' in c && typeof c.text === 'string' ? c.text : `[blob ${c.mimeType ?? ''}]`,
  );
  return `📄 Resource '${uri}':\n${parts.join('\n')}`;
}

/** `prompts`: one line per prompt with its arguments (`name?` when optional). */
export function formatPrompts(result: ListPromptsResult): string {
  if (result.prompts.length === 0) return '💬 No prompts.';
  const lines = result.prompts.map((p) => {
    const args = (p.arguments ?? []).map((a) => (a.required ? a.name : `${a.name}?`)).join(', ');
    return `  - ${p.name}(${args})${p.description ? `: ${p.description}` : ''}`;
  });
  return `💬 Available prompts:\n${lines.join('\n')}`;
}

/** `get <prompt>`: the prompt's messages with their roles. */
export function formatPrompt(name: string, result: GetPromptResult): string {
  const lines = result.messages.map((m) => `[${m.role}] ${contentLines([m.content as Content])}`);
  return `💬 Prompt '${name}':\n${lines.join('\n')}`;
}

const CODE_EXIT: Partial<Record<ClientErrorCode, number>> = {
  ERR_PORTCULLIS_CLIENT_INVALID_OPTIONS: EXIT.usage,
  ERR_PORTCULLIS_CLIENT_UNSAFE_URL: EXIT.discovery,
  ERR_PORTCULLIS_CLIENT_PRM_NOT_FOUND: EXIT.discovery,
  ERR_PORTCULLIS_CLIENT_RESOURCE_MISMATCH: EXIT.discovery,
  ERR_PORTCULLIS_CLIENT_AS_METADATA_NOT_FOUND: EXIT.discovery,
  ERR_PORTCULLIS_CLIENT_ISSUER_MISMATCH: EXIT.discovery,
  ERR_PORTCULLIS_CLIENT_PKCE_UNSUPPORTED: EXIT.discovery,
  ERR_PORTCULLIS_CLIENT_NO_REGISTRATION: EXIT.discovery,
  ERR_PORTCULLIS_CLIENT_REGISTRATION_FAILED: EXIT.discovery,
  ERR_PORTCULLIS_CLIENT_NETWORK: EXIT.network,
  ERR_PORTCULLIS_CLIENT_STORE: EXIT.store,
};

/** The exit code for an error (see {@link EXIT}). */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (isClientError(error)) return CODE_EXIT[error.code] ?? EXIT.authorization;
  return EXIT.network;
}

/** An error for the terminal: what failed (with the URL in the message), what to do, and the stable code. */
export function formatError(error: unknown): string {
  if (error instanceof UsageError) return `✖ ${error.message}\n  → run \`portcullis --help\` for usage`;
  if (isClientError(error)) {
    return `✖ ${error.message}${error.hint ? `\n  → ${error.hint}` : ''}\n  (${error.code})`;
  }
  return `✖ ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * Progress on stderr for the CLI: a spinner on network steps when stderr is a TTY, nothing otherwise. The
 * authorization URL is always printed (it holds no secret: PKCE sends only the challenge).
 */
export function createProgress(stderr: NodeJS.WriteStream = process.stderr): {
  onEvent: (event: ClientEvent) => void;
  stop: () => void;
} {
  let spinner: Spinner | undefined;
  const stop = () => {
    spinner?.stop();
    spinner = undefined;
  };
  const onEvent = (event: ClientEvent) => {
    if (event.type === 'authorize') {
      stop();
      stderr.write(`🔑 Log in in your browser. If it did not open, visit:\n   ${event.url}\n`);
      return;
    }
    if (event.type === 'done') return stop();
    if (!stderr.isTTY) return;
    const text = `${event.step}${event.url ? ` (${event.url})` : ''}`;
    if (spinner === undefined) spinner = yoctoSpinner({ text, stream: stderr }).start();
    else spinner.text = text;
  };
  return { onEvent, stop };
}
