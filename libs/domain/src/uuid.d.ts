// uuid v10 ships no type declarations (and @types/uuid is not installed); we use only v5.
declare module 'uuid' {
  export function v5(name: string, namespace: string): string;
}
