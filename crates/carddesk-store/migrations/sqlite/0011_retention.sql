-- Retention: closed applications found by when they closed, and an upload's
-- file deleted only once no row (of any application) names its content.
CREATE INDEX applications_closed ON applications (updated_at)
    WHERE state IN ('issued', 'rejected', 'expired', 'withdrawn');
CREATE INDEX application_media_sha256 ON application_media (sha256);
