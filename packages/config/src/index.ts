export { loadConfig, ConfigError } from './config.ts';
export type { Config, StorageConfig, S3ConnectionConfig } from './config.ts';
export { ENV_VARIABLES } from './env-variables.ts';
export type { EnvVariable, EnvName } from './env-variables.ts';
export type { S3ClientSettings, StorageSettings } from './storage-settings.ts';
