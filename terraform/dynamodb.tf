# One table per tool (functions/agent_core/tools.json), seeded from
# data/sample_store.json: the same records the local runtime serves.

resource "aws_dynamodb_table" "table" {
  for_each = module.definition.tables

  name                        = each.value.name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = each.value.hash_key
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = each.value.hash_key
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = local.kms_key_arn
  }
}

resource "aws_dynamodb_table_item" "sample" {
  for_each = var.seed_sample_data ? merge([
    for table, definition in module.definition.tables : {
      for key, item in definition.items : "${table}/${key}" => { table = table, item = item }
    }
  ]...) : {}

  table_name = aws_dynamodb_table.table[each.value.table].name
  hash_key   = aws_dynamodb_table.table[each.value.table].hash_key
  item       = each.value.item
}
