import Trawl
print("trawl")
