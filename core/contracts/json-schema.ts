/** A JSON Schema document (draft-07 / 2019-09 subset that ajv accepts). Kept loose on purpose: schemas are data. */
export type JSONSchema = { readonly [keyword: string]: unknown } | boolean;
