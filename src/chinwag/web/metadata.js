// Which metadata draft the page speaks: draft/metadata-3 (ircv3-specifications pull request
// #613) when the server offers it, else draft/metadata-2, never both (a client "MUST NOT
// request more than one"). The server's notifications in either form are read in server.js.
import { app } from "./state.js";

/** The metadata capabilities, the preferred first. */
export const METADATA_CAPS = ["draft/metadata-3", "draft/metadata-2"];

/** The metadata capability enabled on this connection, or null: colours are shared. */
export function metadataCap() {
  return METADATA_CAPS.find((cap) => app.caps.has(cap)) ?? null;
}

/** `want` (capabilities to request) with at most one metadata draft: the newest offered,
 * and none if one is enabled already. */
export function oneMetadataDraft(want) {
  if (metadataCap()) return want.filter((cap) => !METADATA_CAPS.includes(cap));
  const best = METADATA_CAPS.find((cap) => want.includes(cap));
  return want.filter((cap) => !METADATA_CAPS.includes(cap) || cap === best);
}
