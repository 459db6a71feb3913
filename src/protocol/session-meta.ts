/**
 * `--meta-json` is merged into the session's `info.meta` when the session arrives, its keys
 * winning (SPEC §4), so it can also satisfy validations.
 */
import type { JsonObject, JsonPath, SessionInfo } from './messages.js';

/**
 * `metaJsonFloats`: the whole numbers written as floats in the `--meta-json` text (paths inside
 * it, see `integralFloatPaths`). The session's own float paths under a key that `--meta-json`
 * replaces are dropped with the value they described.
 */
export function withMetaJson(
  info: SessionInfo,
  metaJson: Record<string, unknown> | undefined,
  metaJsonFloats?: readonly JsonPath[],
): SessionInfo {
  if (!metaJson || Object.keys(metaJson).length === 0) return info;
  const merged: SessionInfo = { ...info, meta: { ...(info.meta ?? {}), ...(metaJson as JsonObject) } };
  const floats = [...(info.meta_floats ?? []).filter((path) => !Object.hasOwn(metaJson, path[0] as string)), ...(metaJsonFloats ?? [])];
  if (floats.length > 0) merged.meta_floats = floats;
  else delete merged.meta_floats;
  return merged;
}
