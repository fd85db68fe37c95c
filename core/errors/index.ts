export { ArkError, isArkError, errorMessage } from "./ark-error.js";
export { errorCatalogue, type ArkErrorCode } from "./catalogue.js";
