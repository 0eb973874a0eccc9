-- The table the generated api.py and worker.py read and write.
-- Migrations run in file-name order, each once. MySQL commits every DDL statement on its own (implicit
-- commit), so a file cannot be undone as a whole: keep one DDL statement per file (see README, "Migrations").
CREATE TABLE items (
    id bigint AUTO_INCREMENT PRIMARY KEY,
    name varchar(100) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
