return_outputs('## with outputs', {'Ctx.Value': 1}, raw_response={'raw': True})
