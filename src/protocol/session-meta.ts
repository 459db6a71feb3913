/**
 * `--meta-json` is merged into the session's `info.meta` when the session arrives, its keys
 * winning (SPEC §4), so it can also satisfy validations.
 */
import type { JsonObject, SessionInfo } from './messages.js';

export function withMetaJson(info: SessionInfo, metaJson: Record<string, unknown> | undefined): SessionInfo {
  if (!metaJson || Object.keys(metaJson).length === 0) return info;
  return { ...info, meta: { ...(info.meta ?? {}), ...(metaJson as JsonObject) } };
}
