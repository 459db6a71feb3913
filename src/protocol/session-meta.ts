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

/** How deep `--meta-json` (`meta_json`) may nest objects and arrays; deeper is refused before a run starts. */
export const MAX_META_JSON_DEPTH = 32;

/** The refusal of a `--meta-json` value nested deeper than MAX_META_JSON_DEPTH, or undefined. */
export function metaJsonDepthProblem(value: unknown): string | undefined {
  return nestsDeeperThan(value, MAX_META_JSON_DEPTH) ? `nested deeper than ${MAX_META_JSON_DEPTH} levels` : undefined;
}

/** `value` itself is level 1; the recursion never goes beyond `limit`. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit <= 0) return true;
  return Object.values(value).some((child) => nestsDeeperThan(child, limit - 1));
}
