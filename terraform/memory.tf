# Conversation memory. The default (conversation_memory = "session_attributes") keeps the last turns
# in Lex session attributes, which the client can write: the fulfilment Lambda signs them with a key
# (HMAC-SHA256 bound to the bot, alias and session) and trusts only memory whose signature verifies.
# With conversation_memory = "dynamodb" the fulfilment Lambda keeps each conversation's last turns in
# a table keyed by the Lex session id and the bot alias id, expiring after memory_ttl_hours.

# The memory signing key: an SSM SecureString, encrypted with the deployment's key when there is one
# (else SSM's AWS managed key, aws/ssm). Its value is 256 bits from two random UUIDs, written through
# the write-only argument value_wo (Terraform 1.11 or newer): it is sent to
# SSM once, at creation, and is in no plan, state file, output or log. No random provider is
# needed, and uuid() changing on every plan changes nothing, since a write-only value is only sent
# when value_wo_version changes. Rotation: raise memory_key_version; the parameter's name carries
# the version, so a new parameter (and value) is created and the function's environment names it,
# which starts fresh containers. Only the fulfilment function may read it (lambda.tf).
resource "aws_ssm_parameter" "memory_key" {
  #checkov:skip=CKV_AWS_337:Encrypted with the deployment's customer managed key when create_kms_key or kms_key_arn is set; otherwise with SSM's AWS managed key, as every other resource here uses AWS owned or managed keys by default.
  count = var.conversation_memory == "session_attributes" ? 1 : 0

  name             = "/${var.name_prefix}/memory-signing-key-v${var.memory_key_version}"
  description      = "${var.name_prefix}: signs the conversation memory kept in Lex session attributes"
  type             = "SecureString"
  key_id           = local.kms_key_arn
  value_wo         = sha256("${uuid()}${uuid()}")
  value_wo_version = var.memory_key_version
}

resource "aws_dynamodb_table" "memory" {
  count = var.conversation_memory == "dynamodb" ? 1 : 0

  name                        = "${var.name_prefix}-memory"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "session_id"
  range_key                   = "bot_alias_id" # a session id is only unique within one bot alias
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "session_id"
    type = "S"
  }

  attribute {
    name = "bot_alias_id"
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
