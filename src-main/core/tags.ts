// The review tags: the editor's "needs review" and "Mark reviewed", the gallery's review filter, the batch fill's tag
// and export's "reviewed only" all use these two names.
export const NEEDS_REVIEW_TAG = 'needs review';
export const REVIEWED_TAG = 'reviewed';
/** Both, in the order the gallery offers them. */
export const REVIEW_TAG_NAMES = [NEEDS_REVIEW_TAG, REVIEWED_TAG] as const;
