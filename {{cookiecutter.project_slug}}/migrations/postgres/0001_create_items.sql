-- The table the generated api.py and worker.py read and write.
-- Migrations run in file-name order, each once, inside a transaction (PostgreSQL DDL is transactional):
-- add 0002_<what>.sql next to this file; never edit a file that has been applied anywhere.
CREATE TABLE items (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name varchar(100) NOT NULL
);
