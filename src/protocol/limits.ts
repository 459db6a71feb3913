/**
 * Hard limits of the wire protocol (SPEC §2 "Bad input never crashes or stalls the server").
 * One place, so the docs, the ingest actor and the parser agree.
 */

/**
 * Longest line accepted, in bytes (without the `\n`). A 10-million-point trace is about 190 MB
 * as JSON text (≈19 bytes a value) and 107 MB in the binary form (§12), so 256 MiB fits it with
 * room to spare while staying below V8's maximum string length (~512 MiB).
 */
export const MAX_LINE_BYTES = 256 * 1024 * 1024;

/**
 * Deepest nesting allowed inside `device_config`, `info.meta` and `result_meta`: the object
 * itself is level 1, each nested object or array one more. The TOML writer and the JSON
 * encoders recurse, so this bounds their stack use.
 */
export const MAX_NESTING_DEPTH = 64;

/**
 * Longest human-readable reason (in UTF-16 units) put into an `Invalid format: <reason>` reply
 * or log line. 300 characters of at most 3 UTF-8 bytes each, plus the prefix, stay under the
 * 1024 bytes the official client reads with a single `recv(1024)`.
 */
export const MAX_REASON_CHARS = 300;

/** Longest user-supplied key quoted inside a reason (longer keys are shortened with `…`). */
export const MAX_KEY_CHARS_IN_REASON = 64;
