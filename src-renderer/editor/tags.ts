// The review tags the editor and the review queue share.
export const TAG_NEEDS_REVIEW = 'needs review';
export const TAG_REVIEWED = 'reviewed';
