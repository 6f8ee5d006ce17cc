export { assetResponse, deleteAssetBlobs } from './management-dependencies.ts';
export type { ManagementDependencies, ManagementRequest } from './management-dependencies.ts';
export { renameAssetCommand, renameTargetExists } from './rename-asset.ts';
export { destroyAssetCommand } from './destroy-asset.ts';
export { tagAssetsCommand } from './tag-assets.ts';
export { readPublicIds } from './bulk-params.ts';
export { contextAssetsCommand } from './context-assets.ts';
export { issueDeleteToken, deleteByTokenCommand, DELETE_TOKEN_TTL_SECONDS, INVALID_DELETE_TOKEN, EXPIRED_DELETE_TOKEN } from './delete-token.ts';
export {
  resolveMetadata,
  checkMetadataValue,
  coerceMetadataValue,
  passesValidation,
  isIsoDate,
  METADATA_FIELD_TYPES,
  type MetadataChanges,
  type MetadataFieldDefinition,
  type MetadataFieldType,
  type MetadataValue,
  type DatasourceEntry,
  type ValidationRule,
} from './metadata.ts';
export {
  listMetadataFieldsCommand,
  describeMetadataField,
  createMetadataField,
  changeMetadataField,
  removeMetadataField,
  updateDatasourceCommand,
  setDatasourceEntriesState,
  resolveCloudMetadata,
  updateMetadataCommand,
  readFieldDefinition,
  mergeDatasource,
  fieldJson,
  definitionOf,
} from './metadata-fields.ts';
export { downloadBackup, restoreAssetsCommand } from './backups.ts';
export type { BackupDownload } from './backups.ts';
export { deleteBackedUpAssetsCommand, MAX_BACKUP_VERSION_IDS } from './delete-backups.ts';
export { createPurgeHandler } from './purge-handler.ts';
export type { PurgeHandlerDependencies } from './purge-handler.ts';
export {
  deleteResources,
  deleteResourcesByTag,
  deleteResourcesByAssetIds,
  deleteDerivedResources,
  purgeJobsFor,
  MAX_ASSETS_PER_CALL,
  type AdminDeleteDependencies,
  type AdminDeleteCaller,
  type DeleteResourcesAnswer,
  type PurgeJob,
} from './delete-resources.ts';
