def test_dump(make_app):
    app = make_app(STATS_MIN_CELL=10)
    page = app.test_client().get("/stats/methodology?lang=en").get_data(as_text=True)
    import re
    print(re.findall(r"A count from.*", page))
def test_dump2(client, stats):
    page = client.get("/stats/?lang=en").get_data(as_text=True)
    import re
    print(re.findall(r"Extracted.*", page))
    page = client.get("/stats/?type=nonsense&lang=zh_Hans_CN").get_data(as_text=True)
    print(page[page.index('class="error-summary"'):][:1500])
