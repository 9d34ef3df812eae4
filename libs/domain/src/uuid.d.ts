// uuid v10 ships no type declarations (and @types/uuid is not installed); we use only v5
// and parse (a namespace parsed once, a name given as bytes: see internal-id.ts).
declare module 'uuid' {
  export function v5(name: string | Uint8Array, namespace: string | Uint8Array): string;
  export function parse(uuid: string): Uint8Array;
}
