-- Which master key this database's secrets are sealed under: a keyed hash
-- of a fixed text under the key (it says nothing of the key itself). A
-- server started with another key, or with a new one because the key file
-- went missing, finds a different value and refuses to start.
CREATE TABLE key_check (
    id     SMALLINT PRIMARY KEY CHECK (id = 1),
    digest BLOB NOT NULL
);
