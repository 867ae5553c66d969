// This file defines the complete public surface of @portcullis/metadata.
// Any export added here becomes public API. Use named exports, not wildcards.
export const MCP_PROTOCOL_VERSIONS = ['2025-03-26', '2025-06-18', '2025-11-25', '2026-07-28'] as const;
