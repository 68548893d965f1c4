"""HiShopping: Temu goods bought against prepaid credit (web API with JWT, signed and encrypted open API)."""
