# Optional conversation memory in DynamoDB (conversation_memory = "dynamodb"): the fulfilment Lambda
# keeps each Lex session's last turns in this table, keyed by session id, expiring after
# memory_ttl_hours. The default keeps them in Lex session attributes and creates nothing here.

resource "aws_dynamodb_table" "memory" {
  count = var.conversation_memory == "dynamodb" ? 1 : 0

  name                        = "${var.name_prefix}-memory"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "session_id"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "session_id"
    type = "S"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = local.kms_key_arn
  }
}
