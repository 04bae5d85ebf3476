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

/** `want` (capabilities to request) with exactly the metadata draft to ask for: the newest
 * the server offers, and none if one is enabled already. */
export function withMetadataDraft(want) {
  const rest = want.filter((cap) => !METADATA_CAPS.includes(cap));
  if (metadataCap()) return rest;
  const best = METADATA_CAPS.find((cap) => app.offered.has(cap));
  return best ? [...rest, best] : rest;
}
