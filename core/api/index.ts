/**
 * The HTTP API: the built-in `api` module, the service plugins add routes through, and the error envelope.
 */
export { createApiModule, type ApiModuleOptions } from "./api-module.js";
export { apiSectionSchema, resolveApiConfig, type ApiConfig, type ResolvedApiConfig } from "./api-config.js";
export {
  apiServerRef,
  apiReply,
  ApiReply,
  type ApiAddress,
  type ApiRequest,
  type ApiRoute,
  type ApiRouteInfo,
  type ApiServer,
  type AuthDecision,
  type AuthorizeRequest,
  type HealthSource,
  type HealthSourceResult,
  type HttpMethod,
  type RouteAuth,
  type RouteSchemas,
} from "./api-server-port.js";
export { API_CONTRACT_VERSION, errorEnvelope, errorEnvelopeSchema, type ErrorEnvelope, type HttpProblemCode } from "./error-envelope.js";
export { toOpenApiSchema } from "./openapi-schema.js";
