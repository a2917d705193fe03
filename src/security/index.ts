/** The public surface of security/: other folders import only this file. */
export { EventCacheTable, OPERATIONS, OPERATION_TYPE } from './event-cache.js';
export { SecurityGuard } from './guard.js';
export { LogReview, reviewConfig, type SampledConnection, type ReviewHit } from './log-review.js';
export { LogReviewInspector } from './review-inspector.js';
export { VerdictRecorder } from './verdict-recorder.js';
export { RedisCacheShare } from './redis-share.js';
export { ModelInspector, openModelService } from './model-inspector.js';
export { EventCacheComponent } from './cache-component.js';
export { publishCacheChanges, type CachePublisherOptions } from './cache-publisher.js';
