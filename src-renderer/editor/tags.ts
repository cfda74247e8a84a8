// The review tags the editor and the review queue share (core/tags.ts holds the names).
export { NEEDS_REVIEW_TAG as TAG_NEEDS_REVIEW, REVIEWED_TAG as TAG_REVIEWED } from '../../src-main/core/tags.js';
