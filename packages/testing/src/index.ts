export { startS3Server, type S3Server } from './s3-server.ts';
export { makeSelfSignedCert } from './self-signed-cert.ts';
export { createTestDatabaseUrl } from './test-database.ts';
export { useTestCatalog, type TestCatalog } from './test-catalog.ts';
export { freePort } from './free-port.ts';
export { fixturePath, FIXTURES_DIR } from './fixtures.ts';
export { loadCloudinarySdk, type CloudinarySdk } from './cloudinary-sdk.ts';
export { startWebhookReceiver, type WebhookReceiver, type ReceivedWebhook, type WebhookResponder } from './webhook-receiver.ts';
export { verifyStandardWebhook } from './standard-webhooks-verifier.ts';
export { startRedisServer, type RedisServer, type RedisServerOptions } from './redis-server.ts';
export { startRedisCluster, type RedisClusterServer, type RedisClusterOptions } from './redis-cluster.ts';
export { deleteRedisPrefix } from './redis-prefix.ts';
export { startDomainTestServices, until, newBatchId, hex32, TEST_REDIS_URL, type DomainTestServices } from './domain-test-services.ts';
export { assetRecordFixture } from './asset-records.ts';
export {
  namedProperty,
  returnsOrRefuses,
  check,
  propertyRuns,
  propertyParameters,
  registerProperties,
  CALL_BUDGET_MS,
  type NamedProperty,
} from './property-harness.ts';
export { pdfinfo, popplerPage, renderingLikeness } from './poppler.ts';
export { hostileVideoFile, videoFixture, VIDEO_FIXTURE_NAMES, type HostileVideoKind, type VideoFixtureName } from './video-fixtures.ts';
