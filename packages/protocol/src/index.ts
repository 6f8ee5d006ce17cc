export { ApiError, badRequest, isApiError, notFound, unauthorized } from './api-error.ts';
export { invalidSignatureMessage, missingParameter, staleRequestMessage, unknownApiKey } from './auth-messages.ts';
export { checkContextLimits, contextBytes, contextTooLarge, encodeContext, longerThan, parseContext } from './context.ts';
export type { ContextLimits } from './context.ts';
export { fromUnixSeconds, isoSeconds, utcSecondsText } from './dates.ts';
export {
  buildDeliveryUrl,
  deliveryStringToSign,
  encodePublicIdPath,
  parseDeliveryPath,
  splitDeliveryFormat,
  TRANSFORMATION_KEYS,
} from './delivery-url.ts';
export type { DeliveryPath, DeliveryUrlParts } from './delivery-url.ts';
export { decodeFetchSource, encodeFetchSource, fetchRequestUrl, isAllowedFetchHost, MAX_FETCH_URL_LENGTH, normalizeFetchDomain } from './fetch-url.ts';
export { contentTypeForFormat, contentTypeForRaw, DEFAULT_CONTENT_TYPE, FORMAT_PATTERN, isKnownFormat, KNOWN_FORMATS } from './formats.ts';
export {
  AUDIO_OUTPUT_FORMATS,
  IMAGE_OUTPUT_FORMATS,
  isImageOutputFormat,
  isOutputFormat,
  isVideoOutputFormat,
  normalizeFormat,
  OUTPUT_FORMATS,
  STREAMING_OUTPUT_FORMATS,
  VIDEO_CONTAINER_FORMATS,
  VIDEO_OUTPUT_FORMATS,
} from './output-formats.ts';
export type { ImageOutputFormat, VideoOutputFormat } from './output-formats.ts';
export type { OutputFormat } from './output-formats.ts';
export {
  composePublicId,
  fileExtension,
  MAX_PUBLIC_ID_LENGTH,
  normalizeFolder,
  publicIdFolder,
  publicIdFromFilename,
  randomAlphanumeric,
  randomPublicId,
  rawPublicIdWithExtension,
  validatePublicId,
} from './public-id.ts';
export { MAX_ADMIN_PUBLIC_IDS, MAX_BULK_PUBLIC_IDS } from './public-id-lists.ts';
export { randomHex } from './random-hex.ts';
export {
  assertStorableText,
  storableText,
  fromJsonBody,
  invalidParameter,
  normalizeParams,
  quoteValue,
  readBoolean,
  readList,
  readString,
} from './request-params.ts';
export type { RawParams } from './request-params.ts';
export { checkRequestTimestamp, SIGNED_REQUEST_MAX_AGE_SECONDS } from './request-timestamp.ts';
export {
  ACCESS_MODES,
  DELIVERY_TYPES,
  FETCH_DELIVERY_TYPE,
  GENERATED_DELIVERY_TYPES,
  isDeliveryType,
  isGeneratedDeliveryType,
  isResourceType,
  isUploadResourceType,
  parseAccessMode,
  parseDeliveryType,
  parseResourceType,
  parseUploadDeliveryType,
  parseUploadResourceType,
  RESOURCE_TYPES,
  UPLOAD_DELIVERY_TYPES,
} from './resource-types.ts';
export type { AccessMode, DeliveryType, GeneratedDeliveryType, ResourceType, UploadDeliveryType, UploadResourceType } from './resource-types.ts';
export {
  algorithmForSignature,
  notificationSignature,
  responseSignature,
  signParams,
  stringToSign,
  urlSignature,
  verifyParamsSignature,
  verifyUrlSignature,
} from './signature.ts';
export type { SignatureAlgorithm, SignatureVersion } from './signature.ts';
export { checkTagLimits, MAX_TAG_LENGTH, MAX_TAGS, parseTags } from './tags.ts';
export type { TagLimits } from './tags.ts';
export { checkUploadRequestLimits, DEFAULT_PARAMETER_LIMITS, parseUploadRequest } from './upload-request.ts';
export { clampRegions, COORDINATE_PARAMETERS, coordinatesField, DEFAULT_MAX_REGIONS, readCoordinates } from './coordinates.ts';
export type { CoordinateParameter, Region } from './coordinates.ts';
export { nameBasedUuid } from './name-based-uuid.ts';
export { isSynchronousRawConvert, parseRawConvert, RAW_CONVERT_KINDS, withRawConvertEntry } from './raw-convert.ts';
export type { RawConvertKind } from './raw-convert.ts';
export type { ParameterLimits, UploadRequest } from './upload-request.ts';
export { assetUrls, buildAsyncPendingResponse, buildUploadResponse, playbackUrl } from './upload-response.ts';
export type { AssetView, ResponseOptions } from './upload-response.ts';
export {
  PRESET_NAME_PATTERN,
  UNSIGNED_ALLOWED_PARAMS,
  UNSIGNED_ALLOWED,
  UNSIGNED_IGNORED,
  UNSIGNED_PRESET_REQUIRED,
  UNSIGNED_PRESET_NOT_WHITELISTED,
  UPLOAD_PRESET_NOT_FOUND,
  unsignedParameterNotAllowed,
  isBlankParam,
} from './upload-presets.ts';
export { VIDEO_TOO_LARGE_FOR_SYNC, videoTooLargeForSync } from './video-limits.ts';
export {
  ANALYSIS_PARAMETERS,
  ANALYSIS_RESPONSE_FIELDS,
  anyAnalysis,
  MAX_REFERENCED_SCRIPT_BYTES,
  MAX_SCRIPT_LENGTH,
  NO_ANALYSIS,
  readAnalysisOptions,
  readScript,
  RESOURCE_REF_PREFIX,
} from './analysis-options.ts';
export type { AnalysisOptions } from './analysis-options.ts';
export {
  AWS_REK_CATEGORY_NAMES,
  AWS_REK_DEFAULT_CATEGORIES,
  AWS_REK_DEFAULT_THRESHOLD,
  decideModerationEntry,
  entryForManualDecision,
  GOOGLE_DEFAULT_LIKELIHOOD,
  GOOGLE_LIKELIHOODS,
  inapplicableModeration,
  initialModerationEntries,
  invalidModeration,
  isAutomaticModeration,
  MODERATION_KINDS,
  MODERATION_STATUSES,
  moderationAppliesTo,
  nextAutomaticEntry,
  NSFW_LABELS,
  overallModerationStatus,
  parseModeration,
  parseModerationListing,
  readDecisionStatus,
} from './moderation.ts';
export type { AwsRekCategory, GoogleLikelihood, ModerationEntry, ModerationKind, ModerationStatus, ModerationStep, NsfwLabel } from './moderation.ts';
export { BREAKPOINT_DEFAULTS, MAX_BREAKPOINT_IMAGES, MAX_BREAKPOINT_SETTINGS, parseResponsiveBreakpoints } from './responsive-breakpoints.ts';
export type { ResponsiveBreakpointSettings } from './responsive-breakpoints.ts';
export { isPubliclyAccessible, parseAccessControl, parseQualityOverride } from './asset-settings.ts';
export type { AccessControlEntry } from './asset-settings.ts';
export {
  ASSET_SEARCH_FIELDS,
  FOLDER_SEARCH_FIELDS,
  MAX_SEARCH_EXPRESSION_DEPTH,
  MAX_SEARCH_EXPRESSION_LENGTH,
  MAX_SEARCH_EXPRESSION_TERMS,
  parseSearchExpression,
  printSearchExpression,
  relativeDate,
} from './search-expression.ts';
export type {
  RelativeDateUnit,
  SearchBound,
  SearchFieldKind,
  SearchFieldRef,
  SearchFieldTable,
  SearchNode,
  SearchScalar,
} from './search-expression.ts';
export { ADD_ON_PARAMETERS, checkAddOnParams } from './add-on-params.ts';
export {
  aclCovers,
  AUTH_TOKEN_NAME,
  authTokenFromQuery,
  authTokensFromCookies,
  escapeAuthTokenText,
  generateAuthTokenKey,
  globMatches,
  isAuthTokenKey,
  MAX_AUTH_TOKEN_LENGTH,
  parseAuthToken,
  verifyAuthToken,
} from './auth-token.ts';
export type { AuthTokenFailure, AuthTokenRequest, AuthTokenVerdict, ParsedAuthToken } from './auth-token.ts';
